// populated below
