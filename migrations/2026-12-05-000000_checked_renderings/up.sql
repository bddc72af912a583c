-- Each stored REST rendering now ends with a checksum of its own (8 bytes), checked before a
-- page pastes it: the renderings stored before are dropped and built again, with the rest of
-- the derived data, by the next rebuild.
DELETE FROM customer_json;
UPDATE search_index SET version = -1, building = -1, last_id = 0;
