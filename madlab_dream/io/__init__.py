"""Reading and writing files: the first step of the data flow.

  files.py      reading plain/gzip input safely; writing outputs atomically
  sequences.py  DNA strings <-> uint8 codes; the ACGTN check; length policy
  dream.py      the challenge's `sequence<TAB>expression` files
  seqfiles.py   sequences to predict: DREAM TSV, FASTA, one per line
"""
