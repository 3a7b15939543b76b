# A second dependency target.
