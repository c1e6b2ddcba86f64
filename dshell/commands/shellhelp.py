"""``help shell``: the shell language on one page."""

SHELL_LANGUAGE_HELP = """\
The dshell language: bash's habits around docker commands

Every line, typed or from a script, is read as bash reads it and then runs: the first word of
each command is a dshell command (a docker command without 'docker', or one of the Shell
Commands in 'help'). A docker line from bash history works once 'docker ' is dropped from it.

Words and quoting
  'text'            literally, nothing expands inside
  "text"            $VAR, $(...) and `...` expand inside; the result stays one word
  \\c                the character c literally (\\$ is a dollar sign)
  $'a\\tb\\n'         ANSI-C escapes (\\n \\t \\xHH \\uHHHH \\0NN ...)
  ~  ~user          home directories;  *  ?  [...]  match local files (no match: as typed)
  # comment         to the end of the line

Variables
  NAME=value        a shell variable;  export NAME[=value]: also in host commands' environment
  unset NAME        remove it;  env: the environment;  alias/unalias: see below
  $NAME ${NAME}     its value;  ${NAME:-word} a default;  ${NAME:=word} a default, assigned;
                    ${NAME:+word} word if set;  ${NAME:?message} fail if unset;  ${#NAME} length
  $?                the last exit status (docker's 1, 125, 126, 127 included)
  $0 $1 ... $# $@   the script and its arguments (dshell script.dsh ARG...)
  NAME=value CMD    NAME set for that command only

Command substitution
  $(command)        the output of a command, run in this same session (no new process, the
  `command`         same Engine connection); trailing newlines removed. Unquoted, the output
                    splits into words:  rm -f $(ps -aq --filter status=exited)

Lists
  a ; b             a, then b            a && b    b if a succeeded
  a || b            b if a failed        a trailing |, && or || continues on the next line

Pipelines and host commands
  CMD | grep x | sort    the first stage is a dshell command; every later stage is a host
                         command run by /bin/sh, all at once (logs -f c | grep ERROR streams);
                         |& sends standard error down the pipe too; the status is the last
                         stage's; Ctrl-C ends every stage
  !command ...           the rest of the line for the system shell, with the terminal
                         (!ls -l, !vi Dockerfile)

Redirections (of a dshell command's streams, left to right)
  > file  >> file        standard output to a file (binary output such as save goes unchanged)
  2> file  2>&1          standard error to a file, or to where standard output goes
  &> file  &>> file      both
  < file                 standard input from a file:  load < image.tar, login --password-stdin < t

Shell commands
  cd [DIR|-]  pwd  export  unset  env  alias [NAME='text']  unalias [-a] NAME
  source FILE [ARG...] (or . FILE)  echo [-neE]  true  false  exit [STATUS]

Aliases
  alias ll='ps -a'       the first word of a command, if it names an alias, is replaced by its
                         text; an alias ending in a space checks the next word too. Aliases in
                         ~/.config/dshell/config.toml ([aliases] table) load at every prompt.

Scripts
  A #! first line is a comment, so '#!/usr/bin/env dshell' makes a script executable. A
  syntax error is reported with its line number and nothing on that line runs; the script
  goes on (with -e it stops, as at the first failing command).

Not supported: functions, if/for/while, here-documents, background jobs (&).
Arithmetic: $((expression)) as bash computes it (64-bit integers, + - * / % ** << >> & | ^,
  comparisons, && ||, ?:, variables by name).
"""
