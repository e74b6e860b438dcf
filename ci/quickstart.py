"""Print the README's quick-start commands, one per line (the first ```bash block under
'## Quick start').  ci/run_tests.sh runs exactly these lines, so the README and CI cannot drift."""
import pathlib
import sys

readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
text = readme.read_text()
try:
    section = text.split("## Quick start", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
except IndexError:
    sys.exit("error: README.md has no '## Quick start' section with a ```bash block")
cmds = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
if len(cmds) != 2:
    sys.exit(f"error: the README quick start must be exactly two commands, found {len(cmds)}")
print("\n".join(cmds))
