"""`python -m madlab_dream.motifs`: TF-MoDISco motifs from contribution
scores, matched to a motif database (the library is madlab_dream.explain:
motifs.py, matching.py, motif_db.py, motif_report.py)."""
