"""`python -m madlab_dream.gpu_check`: runs `madlab_dream.commands.gpu_check`."""

if __name__ == "__main__":
  from madlab_dream.commands import gpu_check
  gpu_check.main()
