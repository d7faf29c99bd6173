"""`python -m madlab_dream.pretrain_study`: runs `madlab_dream.commands.pretrain_study`."""

if __name__ == "__main__":
  from madlab_dream.commands import pretrain_study
  pretrain_study.main()
