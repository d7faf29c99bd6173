"""`python -m madlab_dream.variants`: runs `madlab_dream.commands.variants`."""

if __name__ == "__main__":
  from madlab_dream.commands import variants
  variants.main()
