"""Set-up pages, one module per feature. Thin views: permission helper → form → service → redirect with a message."""
