/* Behaviour shared by many pages (issue 15): the error summary takes focus, searchable checkbox lists. */
