"""Cases: related incidents linked, and concerns about one child or family
grouped into a case with its own status, owner and chronology
(issue 16 item 3)."""
