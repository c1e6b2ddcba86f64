"""The template parser: a port of Go's text/template/parse/parse.go.

A Parser reads the lexer's items and builds one tree per template name (`define` and `block`
add named trees); a syntax error raises ParseFailure with Go's message.
"""

from __future__ import annotations

from dshell.render.gotemplate.gofmt import go_quote
from dshell.render.gotemplate.lexer import (
    ITEM_ASSIGN,
    ITEM_BLOCK,
    ITEM_BOOL,
    ITEM_BREAK,
    ITEM_CHAR,
    ITEM_CHAR_CONSTANT,
    ITEM_COMMENT,
    ITEM_COMPLEX,
    ITEM_CONTINUE,
    ITEM_DECLARE,
    ITEM_DEFINE,
    ITEM_DOT,
    ITEM_ELSE,
    ITEM_END,
    ITEM_EOF,
    ITEM_ERROR,
    ITEM_FIELD,
    ITEM_IDENTIFIER,
    ITEM_IF,
    ITEM_LEFT_DELIM,
    ITEM_LEFT_PAREN,
    ITEM_NIL,
    ITEM_NUMBER,
    ITEM_PIPE,
    ITEM_RANGE,
    ITEM_RAW_STRING,
    ITEM_RIGHT_DELIM,
    ITEM_RIGHT_PAREN,
    ITEM_SPACE,
    ITEM_STRING,
    ITEM_TEMPLATE,
    ITEM_TEXT,
    ITEM_VARIABLE,
    ITEM_WITH,
    Item,
    Lexer,
)
from dshell.render.gotemplate.literals import new_number, unquote
from dshell.render.gotemplate.nodes import (
    ActionNode,
    BoolNode,
    BreakNode,
    ChainNode,
    CommandNode,
    CommentNode,
    ContinueNode,
    DotNode,
    ElseNode,
    EndNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
    is_empty_tree,
)

_OPERAND_STARTS = (
    ITEM_BOOL, ITEM_CHAR_CONSTANT, ITEM_COMPLEX, ITEM_DOT, ITEM_FIELD, ITEM_IDENTIFIER, ITEM_NUMBER,
    ITEM_NIL, ITEM_RAW_STRING, ITEM_STRING, ITEM_VARIABLE, ITEM_LEFT_PAREN,
)


class ParseFailure(Exception):
    pass



class Parser:
    def __init__(self, name: str, text: str, functions: set[str],
                 trees: dict[str, ListNode]) -> None:
        self.name = name
        self.text = text
        self.functions = functions
        self.trees = trees
        lexer = Lexer(text, "break" not in functions, "continue" not in functions)
        self.items = lexer.items()
        self.index = 0
        self.token: list[Item] = [Item(ITEM_EOF, 0, "", 1)] * 3
        self.peek_count = 0
        self.vars = ["$"]
        self.action_line = 0
        self.range_depth = 0

    # token stream
    def _lex_next(self) -> Item:
        item = self.items[self.index]
        if self.index < len(self.items) - 1:
            self.index += 1
        return item

    def next(self) -> Item:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self._lex_next()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: Item) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: Item, t1: Item) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> Item:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self._lex_next()
        return self.token[0]

    def next_non_space(self) -> Item:
        while True:
            token = self.next()
            if token.typ != ITEM_SPACE:
                return token

    def peek_non_space(self) -> Item:
        token = self.next_non_space()
        self.backup()
        return token

    # errors
    def errorf(self, message: str):
        raise ParseFailure(f"template: {self.name}:{self.token[0].line}: {message}")

    def expect(self, expected: int, context: str) -> Item:
        token = self.next_non_space()
        if token.typ != expected:
            self.unexpected(token, context)
        return token

    def expect_one_of(self, first: int, second: int, context: str) -> Item:
        token = self.next_non_space()
        if token.typ not in (first, second):
            self.unexpected(token, context)
        return token

    def unexpected(self, token: Item, context: str):
        if token.typ == ITEM_ERROR:
            extra = ""
            if self.action_line != 0 and self.action_line != token.line:
                extra = f" in action started at {self.name}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action"):]
            self.errorf(f"{token}{extra}")
        self.errorf(f"unexpected {token} in {context}")

    # grammar
    def parse(self) -> ListNode:
        root = ListNode(self.peek().pos)
        while self.peek().typ != ITEM_EOF:
            if self.peek().typ == ITEM_LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == ITEM_DEFINE:
                    self._parse_definition()
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, (EndNode, ElseNode)):
                self.errorf(f"unexpected {node}")
            root.nodes.append(node)
        return root

    def _sub_parser(self) -> Parser:
        sub = Parser.__new__(Parser)
        sub.__dict__.update(self.__dict__)
        sub.vars = ["$"]
        sub.range_depth = 0
        return sub

    def _adopt(self, sub: Parser) -> None:
        self.index = sub.index
        self.token = sub.token
        self.peek_count = sub.peek_count

    def add_tree(self, name: str, root: ListNode) -> None:
        existing = self.trees.get(name)
        if existing is None or is_empty_tree(existing):
            self.trees[name] = root
        elif not is_empty_tree(root):
            self.errorf(f"template: multiple definition of template {go_quote(name)}")

    def _parse_definition(self) -> None:
        context = "define clause"
        sub = self._sub_parser()
        token = sub.expect_one_of(ITEM_STRING, ITEM_RAW_STRING, context)
        try:
            name = unquote(token.val)
        except ValueError as err:
            sub.errorf(str(err))
        sub.expect(ITEM_RIGHT_DELIM, context)
        root, end = sub.item_list()
        if not isinstance(end, EndNode):
            sub.errorf(f"unexpected {end} in {context}")
        sub.add_tree(name, root)
        self._adopt(sub)

    def item_list(self) -> tuple[ListNode, Node]:
        nodes = ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != ITEM_EOF:
            node = self.text_or_action()
            if isinstance(node, (EndNode, ElseNode)):
                return nodes, node
            nodes.nodes.append(node)
        self.errorf("unexpected EOF")
        raise AssertionError

    def text_or_action(self) -> Node:
        token = self.next_non_space()
        if token.typ == ITEM_TEXT:
            return TextNode(token.pos, token.val)
        if token.typ == ITEM_LEFT_DELIM:
            self.action_line = token.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if token.typ == ITEM_COMMENT:
            return CommentNode(token.pos, token.val)
        self.unexpected(token, "input")
        raise AssertionError

    def action(self) -> Node:
        token = self.next_non_space()
        controls = {
            ITEM_BLOCK: self.block_control, ITEM_ELSE: self.else_control,
            ITEM_END: self.end_control, ITEM_IF: self.if_control, ITEM_RANGE: self.range_control,
            ITEM_TEMPLATE: self.template_control, ITEM_WITH: self.with_control,
        }
        if token.typ in controls:
            return controls[token.typ]()
        if token.typ in (ITEM_BREAK, ITEM_CONTINUE):
            return self.loop_control(token)
        self.backup()
        token = self.peek()
        return ActionNode(token.pos, token.line, self.pipeline("command", ITEM_RIGHT_DELIM))

    def loop_control(self, keyword: Item) -> Node:
        word = "break" if keyword.typ == ITEM_BREAK else "continue"
        token = self.next_non_space()
        if token.typ != ITEM_RIGHT_DELIM:
            self.unexpected(token, "{{" + word + "}}")
        if self.range_depth == 0:
            self.errorf("{{" + word + "}} outside {{range}}")
        node_type = BreakNode if keyword.typ == ITEM_BREAK else ContinueNode
        return node_type(keyword.pos, keyword.line)

    def pipeline(self, context: str, end: int) -> PipeNode:
        token = self.peek_non_space()
        pipe = PipeNode(token.pos, token.line)
        while True:  # declarations
            variable = self.peek_non_space()
            if variable.typ != ITEM_VARIABLE:
                break
            self.next()
            token_after = self.peek()
            following = self.peek_non_space()
            if following.typ in (ITEM_ASSIGN, ITEM_DECLARE):
                pipe.is_assign = following.typ == ITEM_ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(variable.pos, variable.val.split(".")))
                self.vars.append(variable.val)
            elif following.typ == ITEM_CHAR and following.val == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(variable.pos, variable.val.split(".")))
                self.vars.append(variable.val)
                if context == "range" and len(pipe.decl) < 2:
                    after_comma = self.peek_non_space()
                    if after_comma.typ in (ITEM_VARIABLE, ITEM_RIGHT_DELIM, ITEM_RIGHT_PAREN):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            elif token_after.typ == ITEM_SPACE:
                self.backup3(variable, token_after)
            else:
                self.backup2(variable)
            break
        while True:
            token = self.next_non_space()
            if token.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if token.typ in _OPERAND_STARTS:
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(token, context)

    def check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], (BoolNode, DotNode, NilNode, NumberNode,
                                        StringNode)):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def parse_control(self, context: str):
        saved_vars = len(self.vars)
        try:
            pipe = self.pipeline(context, ITEM_RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            body, following = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(following, ElseNode):
                if context == "if" and self.peek().typ == ITEM_IF:
                    self.next()
                    else_list = ListNode(following.pos, [self.if_control()])
                elif context == "with" and self.peek().typ == ITEM_WITH:
                    self.next()
                    else_list = ListNode(following.pos, [self.with_control()])
                else:
                    else_list, following = self.item_list()
                    if not isinstance(following, EndNode):
                        self.errorf(f"expected end; found {following}")
            return pipe.pos, pipe.line, pipe, body, else_list
        finally:
            del self.vars[saved_vars:]

    def if_control(self) -> Node:
        return IfNode(*self.parse_control("if"))

    def range_control(self) -> Node:
        return RangeNode(*self.parse_control("range"))

    def with_control(self) -> Node:
        return WithNode(*self.parse_control("with"))

    def end_control(self) -> Node:
        return EndNode(self.expect(ITEM_RIGHT_DELIM, "end").pos)

    def else_control(self) -> Node:
        peek = self.peek_non_space()
        if peek.typ in (ITEM_IF, ITEM_WITH):
            return ElseNode(peek.pos, peek.line)
        token = self.expect(ITEM_RIGHT_DELIM, "else")
        return ElseNode(token.pos, token.line)

    def block_control(self) -> Node:
        context = "block clause"
        token = self.next_non_space()
        name = self.parse_template_name(token, context)
        pipe = self.pipeline(context, ITEM_RIGHT_DELIM)
        sub = self._sub_parser()
        root, end = sub.item_list()
        if not isinstance(end, EndNode):
            self.errorf(f"unexpected {end} in {context}")
        sub.add_tree(name, root)
        self._adopt(sub)
        return TemplateNode(token.pos, token.line, name, pipe)

    def template_control(self) -> Node:
        context = "template clause"
        token = self.next_non_space()
        name = self.parse_template_name(token, context)
        pipe = None
        if self.next_non_space().typ != ITEM_RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, ITEM_RIGHT_DELIM)
        return TemplateNode(token.pos, token.line, name, pipe)

    def parse_template_name(self, token: Item, context: str) -> str:
        if token.typ in (ITEM_STRING, ITEM_RAW_STRING):
            try:
                return unquote(token.val)
            except ValueError as err:
                self.errorf(str(err))
        self.unexpected(token, context)
        raise AssertionError

    def command(self) -> CommandNode:
        cmd = CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ == ITEM_SPACE:
                continue
            if token.typ in (ITEM_RIGHT_DELIM, ITEM_RIGHT_PAREN):
                self.backup()
            elif token.typ != ITEM_PIPE:
                self.unexpected(token, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ == ITEM_FIELD:
            chain = ChainNode(self.peek().pos, node)
            while self.peek().typ == ITEM_FIELD:
                chain.fields.append(self.next().val[1:])
            if isinstance(node, FieldNode):
                return FieldNode(chain.pos, node.ident + chain.fields)
            if isinstance(node, VariableNode):
                return VariableNode(chain.pos, node.ident + chain.fields)
            if isinstance(node, (BoolNode, StringNode, NumberNode, NilNode, DotNode)):
                self.errorf(f"unexpected . after term {go_quote(str(node))}")
            return chain
        return node

    def term(self) -> Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ == ITEM_IDENTIFIER:
            if token.val not in self.functions:
                self.errorf(f"function {go_quote(token.val)} not defined")
            return IdentifierNode(token.pos, token.val)
        if typ == ITEM_DOT:
            return DotNode(token.pos)
        if typ == ITEM_NIL:
            return NilNode(token.pos)
        if typ == ITEM_VARIABLE:
            return self.use_var(token.pos, token.val)
        if typ == ITEM_FIELD:
            return FieldNode(token.pos, token.val[1:].split("."))
        if typ == ITEM_BOOL:
            return BoolNode(token.pos, token.val == "true")
        if typ in (ITEM_CHAR_CONSTANT, ITEM_COMPLEX, ITEM_NUMBER):
            try:
                return new_number(token.pos, token.val, typ)
            except ValueError as err:
                self.errorf(str(err))
        if typ == ITEM_LEFT_PAREN:
            # Go 1.24 (docker 28) sets no bound here; later Go stops at 10000
            return self.pipeline("parenthesized pipeline", ITEM_RIGHT_PAREN)
        if typ in (ITEM_STRING, ITEM_RAW_STRING):
            try:
                return StringNode(token.pos, token.val, unquote(token.val))
            except ValueError as err:
                self.errorf(str(err))
        self.backup()
        return None

    def use_var(self, pos: int, name: str) -> Node:
        node = VariableNode(pos, name.split("."))
        if node.ident[0] not in self.vars:
            self.errorf(f"undefined variable {go_quote(node.ident[0])}")
        return node
