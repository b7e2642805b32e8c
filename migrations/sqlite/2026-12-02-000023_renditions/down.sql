DROP TABLE rendition_keys;
DROP TABLE renditions;
