"""`python -m madlab_dream.data`: runs `madlab_dream.commands.data`."""

if __name__ == "__main__":
  from madlab_dream.commands import data
  data.main()
