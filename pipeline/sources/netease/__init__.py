"""NetEase (163.com): channels, 网易号, page readers."""
