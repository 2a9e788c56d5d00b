DROP TABLE house_rules;
