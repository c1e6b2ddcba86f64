from dshell.main import run

run()
