"""`python -m madlab_dream.evaluate`: runs `madlab_dream.commands.evaluate`."""

if __name__ == "__main__":
  from madlab_dream.commands import evaluate
  evaluate.main()
