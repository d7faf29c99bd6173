"""`python -m madlab_dream.motifs`: runs `madlab_dream.commands.motifs`."""

if __name__ == "__main__":
  from madlab_dream.commands import motifs
  motifs.main()
