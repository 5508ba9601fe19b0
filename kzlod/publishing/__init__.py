"""Publishing: a versioned release (:mod:`.release`) with its VoID/DCAT description
(:mod:`.void`), the relation map (:mod:`.relmap`), and a push into a Graph Store (:mod:`.push`)."""
