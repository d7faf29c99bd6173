"""`python -m madlab_dream.design_demo`: runs `madlab_dream.commands.design_demo`."""

if __name__ == "__main__":
  from madlab_dream.commands import design_demo
  design_demo.main()
