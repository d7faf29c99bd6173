"""`python -m madlab_dream.train`: runs `madlab_dream.commands.train`."""

if __name__ == "__main__":
  from madlab_dream.commands import train
  train.main()
else:
  raise ImportError("madlab_dream.train is a function: 'from madlab_dream import "
                    "train'; 'python -m madlab_dream.train' runs the command")
