"""`python -m madlab_dream.design`: runs `madlab_dream.commands.design`.

`madlab_dream.design` is also the public API's function (`from madlab_dream
import design`), so this module is only run, never imported.
"""

if __name__ == "__main__":
  from madlab_dream.commands import design
  design.main()
else:
  raise ImportError("madlab_dream.design is a function: 'from madlab_dream import "
                    "design'; 'python -m madlab_dream.design' runs the command")
