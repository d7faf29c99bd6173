"""`python -m madlab_dream.teacher_rows`: runs `madlab_dream.commands.teacher_rows`."""

if __name__ == "__main__":
  from madlab_dream.commands import teacher_rows
  teacher_rows.main()
