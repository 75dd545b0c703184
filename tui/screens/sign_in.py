"""The sign-in screen: a name and a password (and, on a first sign-in, a new
password). A refusal says only "name or password wrong", with the lock-out time when
the account is locked; it never says whether the name exists."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from workflow.errors import BadInput, NotPermitted, WorkflowError
from workflow.i18n import Text
from workflow.tui.context import lang, say, wf


class SignInScreen(Screen[None]):
    """Name and password; enter signs in.

    | Key | Action |
    |---|---|
    | enter | next field / sign in |
    | ctrl+q | quit |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", show=False, id="signin.submit"),
    ]

    DEFAULT_CSS = """
    SignInScreen { align: center middle; }
    SignInScreen .dialog { width: 60; }
    SignInScreen #new-password, SignInScreen #new-again, SignInScreen .first-time { display: none; }
    SignInScreen.-first-time #new-password, SignInScreen.-first-time #new-again,
    SignInScreen.-first-time .first-time { display: block; }
    """

    class SignedIn(Message):
        def __init__(self, user: str, token: str) -> None:
            super().__init__()
            self.user = user
            self.token = token

    class Refused(Message):
        def __init__(self, text: Text, first_time: bool = False) -> None:
            super().__init__()
            self.text = text
            self.first_time = first_time

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def compose(self) -> ComposeResult:
        t = lang(self)
        with Center(), Vertical(classes="dialog"):
            yield Label(say(self, "登录", "Sign in"), classes="dialog-title")
            yield Label(say(self, "用户名", "Name"))
            yield Input(id="name", value=wf(self).offered_name)
            yield Label(
                say(self, "密码（首次登录：管理员给的设置码）", "Password (first sign-in: the set-up code)")
            )
            yield Input(id="password", password=True)
            yield Label(
                say(self, "新密码（至少8个字符）", "New password (8 characters or more)"),
                classes="first-time",
            )
            yield Input(id="new-password", password=True)
            yield Label(say(self, "再次输入新密码", "New password again"), classes="first-time")
            yield Input(id="new-again", password=True)
            if wf(self).demo_database:
                yield Static(
                    say(
                        self,
                        "演示数据库：输入演示用户名，密码留空即可登录",
                        "Demo database: a demo user's name with an empty password signs in",
                    ),
                    classes="dialog-hint",
                )
            yield Static("", id="errors", classes="form-errors", markup=False)
            yield Button(say(self, "登录 (enter)", "Sign in (enter)"), id="submit", variant="primary")
        _ = t

    def on_mount(self) -> None:
        self.query_one("#password" if self.query_one("#name", Input).value else "#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["name", "password"] + (
            ["new-password", "new-again"] if self.has_class("-first-time") else []
        )
        ident = event.input.id or ""
        if ident in order and order.index(ident) < len(order) - 1:
            self.query_one(f"#{order[order.index(ident) + 1]}", Input).focus()
            return
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.busy:
            return
        name = self.query_one("#name", Input).value.strip()
        password = self.query_one("#password", Input).value
        new: str | None = None
        if not name:
            self._show(Text("请输入用户名", "enter your name"))
            return
        if self.has_class("-first-time"):
            new = self.query_one("#new-password", Input).value
            if new != self.query_one("#new-again", Input).value:
                self._show(Text("两次输入的新密码不同", "the two new passwords differ"))
                return
        self.busy = True
        self._show(Text("正在登录", "signing in"))
        self.sign_in(name, password, new)

    @work(thread=True, exclusive=True, group="sign-in")
    def sign_in(self, name: str, password: str, new: str | None) -> None:
        from workflow.app import auth

        app = wf(self)
        engine = app.access.engine
        try:
            if app.demo_database and not password:
                from workflow.app.demo_signin import demo_sign_in

                signed = demo_sign_in(engine, name, save=not app.browser)
            else:
                signed = auth.sign_in(engine, name, password, new_password=new, save=not app.browser)
        except BadInput as e:
            first = "new password must be set" in e.text.en
            self.post_message(self.Refused(e.text, first_time=first))
            return
        except NotPermitted as e:
            locked = "locked until" in e.text.en
            self.post_message(self.Refused(e.text if locked else auth.WRONG))
            return
        except WorkflowError as e:
            self.post_message(self.Refused(e.text))
            return
        self.post_message(self.SignedIn(signed.user, signed.token))

    def on_sign_in_screen_refused(self, message: Refused) -> None:
        self.busy = False
        if message.first_time:
            self.add_class("-first-time")
            self.query_one("#new-password", Input).focus()
        else:
            self.query_one("#password", Input).value = ""
            self.query_one("#password", Input).focus()
        self._show(message.text)

    def on_sign_in_screen_signed_in(self, message: SignedIn) -> None:
        self.busy = False
        wf(self).signed_in(message.user, message.token)

    def _show(self, text: Text) -> None:
        self.query_one("#errors", Static).update(text(lang(self)))
