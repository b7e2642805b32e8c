DROP TABLE slot_items;
DROP TABLE slots;
