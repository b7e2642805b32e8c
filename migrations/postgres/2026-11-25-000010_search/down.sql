DROP TABLE maintenance_steps; DROP TABLE search_index;
