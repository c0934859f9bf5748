"""The venue's data-entry charter: which fields staff must fill when they create or edit a
contact, which formats are checked, and how typed values are normalised. `rules` owns every
one of those rules; the back office, the API, imports and the counter call it."""
