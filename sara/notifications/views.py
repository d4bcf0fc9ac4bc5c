from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sara.admin.forms import ConfirmForm
from sara.notifications import service
from sara.notifications.forms import NotificationSettingsForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("")
def inbox():
    return render_template("notifications/list.html",
                           notifications=service.for_user(current_user),
                           confirm=ConfirmForm(formdata=None))


@bp.route("/read", methods=["POST"])
def mark_read():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = service.mark_all_read(current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/settings")
def settings():
    form = NotificationSettingsForm(formdata=None, data={
        kind: "email" if is_emailed else "in_app"
        for kind, is_emailed in service.preferences(current_user).items()})
    return render_template("notifications/settings.html", form=form)


@bp.route("/settings", methods=["POST"])
def save_settings():
    form = NotificationSettingsForm()
    if not form.validate_on_submit():
        code = 400 if "csrf_token" in form.errors else 200
        return render_template("notifications/settings.html", form=form), code
    changed = service.set_preferences(current_user, form.choices())
    flash("Notification settings saved." if changed else "Nothing changed.", "success")
    return redirect(url_for("notifications.settings"))
