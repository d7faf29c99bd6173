"""`python -m madlab_dream.pretrain`: runs `madlab_dream.commands.pretrain`."""

if __name__ == "__main__":
  from madlab_dream.commands import pretrain
  pretrain.main()
