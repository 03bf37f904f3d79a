"""kapdir's Scrapy project: one generic spider driven by source files, items, and a pipeline per step."""
