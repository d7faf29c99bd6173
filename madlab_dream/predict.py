"""`python -m madlab_dream.predict`: runs `madlab_dream.commands.predict`."""

if __name__ == "__main__":
  from madlab_dream.commands import predict
  predict.main()
