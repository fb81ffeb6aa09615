"""Reading the warehouse: status, sql, export, trend, coverage."""
