"""`python -m madlab_dream.explain_demo`: runs `madlab_dream.commands.explain_demo`."""

if __name__ == "__main__":
  from madlab_dream.commands import explain_demo
  explain_demo.main()
