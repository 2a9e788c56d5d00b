DROP TABLE images;
DROP TABLE image_files;
