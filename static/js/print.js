// Print buttons: <button type="button" data-print>. The Content-Security-Policy allows no inline handlers
// (onclick="window.print()"), so the buttons are bound here.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
