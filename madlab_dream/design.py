"""`python -m madlab_dream.design`: runs `madlab_dream.commands.design`."""

if __name__ == "__main__":
  from madlab_dream.commands import design
  design.main()
else:
  raise ImportError("madlab_dream.design is a function: 'from madlab_dream import "
                    "design'; 'python -m madlab_dream.design' runs the command")
