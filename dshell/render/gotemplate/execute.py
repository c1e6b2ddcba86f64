"""Template execution: a port of Go's text/template/exec.go.

An Execution walks a parsed tree with a dot value, writing to `out`; any failure raises
TemplateError with Go's message and the output written so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dshell.render.gotemplate.errors import TemplateError
from dshell.render.gotemplate.functions import GO_TYPE_NAMES, CallError, Function, python_function
from dshell.render.gotemplate.gofmt import go_quote, sorted_keys, sprint
from dshell.render.gotemplate.limits import (
    MAX_EXEC_DEPTH,
    MAX_OUTPUT,
    MAX_PRODUCED,
    MAX_STEPS,
    LimitExceeded,
    mib,
    too_large,
    value_size,
)
from dshell.render.gotemplate.nodes import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    CommentNode,
    ContinueNode,
    DotNode,
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
)
from dshell.render.gotemplate.values import (
    ABSENT,
    INVALID,
    GoMap,
    GoSlice,
    dict_zero,
    element_type,
    go_type,
    indirect_interface,
    is_struct,
    is_true,
    truth,
)

if TYPE_CHECKING:
    from dshell.render.gotemplate.template import Template


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


#: Where a value was read from, for Go's static type in "can't evaluate field X in type T":
#: (container, key) for a map entry or struct field, (container, ELEMENT) for a range element;
#: None for a value of its own (concrete) type.
Slot = tuple | None
ELEMENT = object()


def static_type(slot: Slot, value: object) -> str | None:
    """The declared type of the place `value` came from: `interface {}` for the elements of a
    map[string]interface{} or a struct field of type any, where Go names no concrete type."""
    if slot is None:
        return None
    container, key = slot
    if isinstance(container, (GoMap, GoSlice)):
        return element_type(container.go_type_name)
    if isinstance(container, (dict, list, tuple)):
        # structs sit in typed slices ([]types.ComponentVersion); anything else in a plain
        # container is decoded JSON, as docker's raw inspect fallback holds it
        return None if is_struct(value) else "interface {}"
    if is_struct(container) and key is not ELEMENT:
        declared = getattr(type(container), "go_field_types", None)
        if isinstance(declared, dict):
            return declared.get(key)
    return None


class Execution:
    def __init__(self, template: Template, out: list[str], data: object) -> None:
        self.template = template
        self.name = template.name
        self.out = out
        self.node: Node | None = None
        self.vars: list[list] = [["$", data, None]]
        self.depth = 0
        self.dot_slot: Slot = None
        self.steps = 0
        self.size = 0
        self.produced = 0

    # limits
    def write(self, text: str) -> None:
        size = len(text)
        self.size += size
        if self.size > MAX_OUTPUT:
            self.errorf(f"template output exceeds dshell's limit of {mib(MAX_OUTPUT)}")
        self.produced += size  # produce(), inline: this is the hot path
        if self.produced > MAX_PRODUCED:
            self.errorf(f"template execution handles more text than dshell's limit "
                        f"of {mib(MAX_PRODUCED)}")
        self.out.append(text)

    def produce(self, size: int) -> None:
        """Count text handled (written, or passed to and returned by functions) against
        MAX_PRODUCED: what bounds the work of a template that only shuffles big strings."""
        self.produced += size
        if self.produced > MAX_PRODUCED:
            raise LimitExceeded(f"template execution handles more text than dshell's limit "
                                f"of {mib(MAX_PRODUCED)}")

    def step(self, node: Node) -> None:
        """Called once `steps` passes MAX_STEPS: a node walked, a command or argument
        evaluated and a range iteration each count one, inline, for this is the hot path."""
        self.at(node)
        self.errorf(f"template execution exceeds dshell's limit of {MAX_STEPS} steps")

    # errors
    def errorf(self, message: str):
        name = self.name
        if self.node is None:
            text = f"template: {name}: {message}"
        else:
            location, context = self.template._error_context(self.node)
            text = f"template: {location}: executing {go_quote(name)} at <{context}>: {message}"
        raise TemplateError(text, "".join(self.out))

    def at(self, node: Node) -> None:
        self.node = node

    # variables
    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def push(self, name: str, value: object) -> None:
        self.vars.append([name, value, None])

    def set_var(self, name: str, value: object, slot: Slot = None) -> None:
        for entry in reversed(self.vars):
            if entry[0] == name:
                entry[1], entry[2] = value, slot
                return
        self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: object, slot: Slot = None) -> None:
        entry = self.vars[len(self.vars) - n]
        entry[1], entry[2] = value, slot

    def var_entry(self, name: str) -> list:
        for entry in reversed(self.vars):
            if entry[0] == name:
                return entry
        self.errorf(f"undefined variable: {name}")
        raise AssertionError

    def var_value(self, name: str) -> object:
        return self.var_entry(name)[1]

    # walking
    def walk(self, dot: object, node: Node) -> None:
        kind = type(node)
        if kind is not ListNode:  # a list is counted by what holds it
            self.steps += 1
            if self.steps > MAX_STEPS:
                self.step(node)
        self.node = node
        if kind is TextNode:
            self.write(node.text)
        elif kind is ActionNode:
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, value)
        elif kind is ListNode:
            for child in node.nodes:
                self.walk(dot, child)
        elif kind is IfNode:
            self.walk_if_or_with(False, dot, node)
        elif kind is WithNode:
            self.walk_if_or_with(True, dot, node)
        elif kind is RangeNode:
            self.walk_range(dot, node)
        elif kind is TemplateNode:
            self.walk_template(dot, node)
        elif kind is BreakNode:
            raise _Break
        elif kind is ContinueNode:
            raise _Continue
        elif kind is not CommentNode:
            self.errorf(f"unknown node: {node}")

    def walk_if_or_with(self, is_with: bool, dot: object, node: BranchNode) -> None:
        mark = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            truth, ok = is_true(indirect_interface(value))
            if not ok:
                self.errorf(f"if/with can't use {sprint(value)}")
            if truth:
                if is_with:
                    self.walk_with_dot(value, None, node.list)
                else:
                    self.walk(dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_with_dot(self, dot: object, slot: Slot, node: Node) -> None:
        """Walk with a new dot: a with's value (concrete) or a range element (slot)."""
        saved = self.dot_slot
        self.dot_slot = slot
        try:
            self.walk(dot, node)
        finally:
            self.dot_slot = saved

    def walk_range(self, dot: object, node: RangeNode) -> None:
        self.at(node)
        outer = self.mark()
        outer_slot = self.dot_slot
        try:
            value = self.eval_pipeline(dot, node.pipe)
            mark = self.mark()
            decl = node.pipe.decl
            slot = (value, ELEMENT)

            def one_iteration(index: object, elem: object) -> None:
                self.steps += 1
                if self.steps > MAX_STEPS:
                    self.step(node)
                self.dot_slot = slot
                if decl:
                    if node.pipe.is_assign:
                        if len(decl) > 1:
                            self.set_var(decl[0].ident[0], index)
                        else:
                            self.set_var(decl[0].ident[0], elem, slot)
                    else:
                        self.set_top_var(1, elem, slot)
                if len(decl) > 1:
                    if node.pipe.is_assign:
                        self.set_var(decl[1].ident[0], elem, slot)
                    else:
                        self.set_top_var(2, index)
                try:
                    self.walk(elem, node.list)
                except _Continue:
                    pass
                finally:
                    self.pop(mark)

            if isinstance(value, (list, tuple)) and value:
                for i, elem in enumerate(value):
                    one_iteration(i, elem)
                return
            if isinstance(value, dict) and value:
                for key in sorted_keys(value):
                    one_iteration(key, value[key])
                return
            if isinstance(value, int) and not isinstance(value, bool):
                if len(decl) > 1:
                    self.errorf(f"can't use {value} to iterate over more than one variable")
                if value > 0:
                    slot = None
                    for i in range(value):
                        one_iteration(i, i)
                    return
            elif not isinstance(value, (list, tuple, dict)) and value is not INVALID:
                self.errorf(f"range can't iterate over {sprint(value)}")
            self.dot_slot = outer_slot
            if node.else_list is not None:
                self.walk(dot, node.else_list)
        except _Break:
            pass
        finally:
            self.dot_slot = outer_slot
            self.pop(outer)

    def walk_template(self, dot: object, node: TemplateNode) -> None:
        self.at(node)
        root = self.template._trees.get(node.name)
        if root is None:
            self.errorf(f"template {go_quote(node.name)} not defined")
        if self.depth >= MAX_EXEC_DEPTH:
            self.errorf(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})")
        dot = self.eval_pipeline(dot, node.pipe)
        saved = self.vars, self.depth, self.name, self.dot_slot
        self.vars = [["$", dot, None]]
        self.depth += 1
        self.name = node.name
        self.dot_slot = None
        try:
            self.walk(dot, root)
        finally:
            self.vars, self.depth, self.name, self.dot_slot = saved

    # evaluation
    def eval_pipeline(self, dot: object, pipe: PipeNode | None) -> object:
        if pipe is None:
            return INVALID
        self.at(pipe)
        value: object = ABSENT
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:
                value = INVALID  # an interface{} holding nil digs down to no value
        for variable in pipe.decl:
            if pipe.is_assign:
                self.set_var(variable.ident[0], value)
            else:
                self.push(variable.ident[0], value)
        return value

    def not_a_function(self, args: list, final: object) -> None:
        if len(args) > 1 or final is not ABSENT:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: object, cmd: CommandNode, final: object) -> object:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.step(cmd)
        first = cmd.args[0]
        kind = type(first)
        if kind is FieldNode:
            return self.eval_field_node(dot, first, cmd.args, final)
        if kind is IdentifierNode:
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if kind is VariableNode:
            return self.eval_variable_node(dot, first, cmd.args, final)
        if kind is ChainNode:
            return self.eval_chain_node(dot, first, cmd.args, final)
        if kind is PipeNode:
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, BoolNode):
            return first.value
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            self.errorf("nil is not a command")
        if isinstance(first, NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, StringNode):
            return first.text
        self.errorf(f"can't evaluate command {go_quote(str(first))}")
        raise AssertionError

    def ideal_constant(self, constant: NumberNode) -> object:
        self.at(constant)
        text = constant.text
        if constant.is_complex:
            return constant.complex128
        is_hex_int = len(text) > 2 and text[0] == "0" and text[1] in "xX" and \
            not any(c in text for c in "pP")
        if constant.is_float and not is_hex_int and not text.startswith("'") and \
                any(c in text for c in ".eEpP"):
            return constant.float64
        if constant.is_int:
            return constant.int64
        if constant.is_uint:
            self.errorf(f"{text} overflows int")
        return INVALID

    def eval_field_node(self, dot, field_node: FieldNode, args, final) -> object:
        self.at(field_node)
        return self.eval_field_chain(dot, dot, field_node, field_node.ident, args, final,
                                     self.dot_slot)

    def eval_chain_node(self, dot, chain: ChainNode, args, final) -> object:
        self.at(chain)
        if isinstance(chain.node, NilNode):
            self.errorf(f"indirection through explicit nil in {chain}")
        receiver = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, receiver, chain, chain.fields, args, final)

    def eval_variable_node(self, dot, variable: VariableNode, args, final) -> object:
        self.at(variable)
        _, value, slot = self.var_entry(variable.ident[0])
        if len(variable.ident) == 1:
            self.not_a_function(args or [variable], final)
            return value
        return self.eval_field_chain(dot, value, variable, variable.ident[1:], args, final,
                                     slot)

    def eval_field_chain(self, dot, receiver, node, idents: list[str], args, final,
                         slot: Slot = None) -> object:
        for name in idents[:-1]:
            value = self.eval_field(dot, name, node, None, ABSENT, receiver, slot)
            slot = (receiver, name)
            receiver = value
        return self.eval_field(dot, idents[-1], node, args, final, receiver, slot)

    def eval_function(self, dot, node: IdentifierNode, cmd, args, final) -> object:
        self.at(node)
        function, is_builtin = self.template._find_function(node.ident)
        if function is None:
            self.errorf(f"{go_quote(node.ident)} is not a defined function")
        return self.eval_call(dot, function, is_builtin, cmd, node.ident, args, final)

    def eval_field(self, dot, name: str, node, args, final, receiver, slot: Slot = None) -> object:
        if receiver is INVALID:
            if self.template._missing_key == "error":
                self.errorf(f"nil data; no entry for key {go_quote(name)}")
            return INVALID
        if receiver is None:
            self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        has_args = (args is not None and len(args) > 1) or final is not ABSENT
        if isinstance(receiver, dict):
            if has_args:
                self.errorf(f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            mode = self.template._missing_key
            if mode == "error":
                self.errorf(f"map has no entry for key {go_quote(name)}")
            if mode == "zero":
                return dict_zero(receiver)
            return INVALID
        if is_struct(receiver) and name[:1].isupper():
            try:
                attribute = getattr(receiver, name, ABSENT)
            except Exception as err:  # noqa: BLE001 - a failing property is a failing method
                self.errorf(f"error calling {name}: {err}")
            if attribute is not ABSENT:
                if callable(attribute):
                    method = python_function(attribute)
                    return self.eval_call(dot, method, False, node, name, args, final)
                if has_args:
                    self.errorf(f"{name} has arguments but cannot be invoked as function")
                return attribute
        typ = static_type(slot, receiver) or go_type(receiver)
        self.errorf(f"can't evaluate field {name} in type {typ}")
        raise AssertionError

    def eval_call(self, dot, function: Function, is_builtin: bool, node, name: str, args,
                  final) -> object:
        args = list(args[1:]) if args is not None else []
        num_in = len(args) + (0 if final is ABSENT else 1)
        params = function.params
        if function.variadic is not None:
            num_fixed = len(params)
            if num_in < num_fixed:
                self.errorf(f"wrong number of args for {name}: want at least {len(params)} "
                            f"got {len(args)}")
        else:
            num_fixed = len(args)
            if num_in != len(params):
                self.errorf(f"wrong number of args for {name}: want {len(params)} got {num_in}")

        if is_builtin and name in ("and", "or"):
            value: object = INVALID
            for arg in args:
                value = self.eval_arg(dot, "value", arg)
                if truth(value) == (name == "or"):
                    return value
            if final is not ABSENT:
                value = self.validate_type(final, "value")
            return value

        argv: list[object] = []
        for i, arg in enumerate(args):
            typ = params[i] if i < num_fixed else function.variadic
            argv.append(self.eval_arg(dot, typ, arg))
        if final is not ABSENT:
            if function.variadic is None:
                typ = params[-1]
            elif num_in - 1 < num_fixed:
                typ = params[num_in - 1]
            else:
                typ = function.variadic
            argv.append(self.validate_type(final, typ))
        if is_builtin and name == "call":
            argv.insert(0, str(args[0]) if args else "")
        try:
            size = 0
            for arg in argv:
                if type(arg) is str:
                    size += len(arg)
                elif isinstance(arg, (str, list, tuple, dict)):
                    size += value_size(arg)
            if size:
                self.produce(size)
            result = function.call(*argv)
            size = len(result) if type(result) is str else value_size(result)
            if size > MAX_OUTPUT:
                raise too_large("result")
            if size:
                self.produce(size)
            return result
        except TemplateError:
            raise
        except (CallError, LimitExceeded) as err:
            self.at(node)
            self.errorf(f"error calling {name}: {err}")
        except Exception as err:  # noqa: BLE001 - Go's safeCall turns panics into errors
            self.at(node)
            self.errorf(f"error calling {name}: {err}")
        raise AssertionError

    def validate_type(self, value: object, typ: str | None) -> object:
        if typ is None or typ == "value":
            return value
        if value is INVALID:
            if typ in ("any", "[]string"):
                return None if typ == "any" else []
            self.errorf(f"invalid value; expected {GO_TYPE_NAMES[typ]}")
        if typ == "any":
            return value
        ok = {
            "string": lambda v: isinstance(v, str),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "bool": lambda v: isinstance(v, bool),
            "float": lambda v: isinstance(v, float),
            "[]string": lambda v: isinstance(v, (list, tuple)) and
            all(isinstance(i, str) for i in v),
        }[typ](value)
        if not ok:
            self.errorf(f"wrong type for value; expected {GO_TYPE_NAMES[typ]}; "
                        f"got {go_type(value)}")
        return value

    def eval_arg(self, dot: object, typ: str | None, node: Node) -> object:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.step(node)
        self.node = node
        kind = type(node)
        if kind is FieldNode:
            value = self.eval_field_node(dot, node, [node], ABSENT)
            return value if typ is None or typ == "value" else self.validate_type(value, typ)
        if kind is StringNode and typ in ("string", "any", "value"):
            return node.text
        if isinstance(node, DotNode):
            return self.validate_type(dot, typ)
        if isinstance(node, NilNode):
            if typ in ("any", "[]string"):
                return None
            if typ == "value":
                return INVALID
            self.errorf(f"cannot assign nil to {GO_TYPE_NAMES.get(typ or '', typ)}")
        if isinstance(node, FieldNode):
            value = self.eval_field_node(dot, node, [node], ABSENT)
            return self.validate_type(value, typ)
        if isinstance(node, VariableNode):
            return self.validate_type(self.eval_variable_node(dot, node, None, ABSENT), typ)
        if isinstance(node, PipeNode):
            return self.validate_type(self.eval_pipeline(dot, node), typ)
        if isinstance(node, IdentifierNode):
            value = self.eval_function(dot, node, node, None, ABSENT)
            return self.validate_type(value, typ)
        if isinstance(node, ChainNode):
            return self.validate_type(self.eval_chain_node(dot, node, None, ABSENT), typ)
        if typ in ("any", "value"):
            return self.eval_empty_interface(dot, node)
        if typ == "string" and isinstance(node, StringNode):
            return node.text
        if typ == "int" and isinstance(node, NumberNode) and node.is_int:
            return node.int64
        if typ == "bool" and isinstance(node, BoolNode):
            return node.value
        if typ == "float" and isinstance(node, NumberNode) and node.is_float:
            return node.float64
        expected = {"string": "string", "int": "integer", "bool": "bool", "float": "float"}
        if typ in expected:
            self.errorf(f"expected {expected[typ]}; found {node}")
        self.errorf(f"can't handle {node} for arg of type {GO_TYPE_NAMES.get(typ or '', typ)}")
        raise AssertionError

    def eval_empty_interface(self, dot: object, node: Node) -> object:
        self.at(node)
        if isinstance(node, BoolNode):
            return node.value
        if isinstance(node, NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, StringNode):
            return node.text
        self.errorf(f"can't handle assignment of {node} to empty interface argument")
        raise AssertionError

    def print_value(self, node: Node, value: object) -> None:
        self.node = node
        if type(value) is str:
            self.write(value)
            return
        if value is INVALID or value is None:
            self.write("<no value>")
            return
        if callable(value) and _is_routine(value):
            self.errorf(f"can't print {node} of type {go_type(value)}")
        try:
            text = value if type(value) is str else sprint(value)
        except LimitExceeded:
            self.errorf(f"template output exceeds dshell's limit of {mib(MAX_OUTPUT)}")
        self.write(text)


def _is_routine(value: object) -> bool:
    """``inspect.isroutine``, importing inspect (with ast and dis) only for a callable value."""
    import inspect

    return inspect.isroutine(value)
