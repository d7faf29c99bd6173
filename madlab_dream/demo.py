"""`python -m madlab_dream.demo`: runs `madlab_dream.commands.demo`."""

if __name__ == "__main__":
  from madlab_dream.commands import demo
  demo.main()
