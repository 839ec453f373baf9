"""Pure Python and SQL-building logic: ID numbers, the register, rules, worklists, exports."""
