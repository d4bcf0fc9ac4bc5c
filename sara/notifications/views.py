from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from sara.admin.forms import ConfirmForm
from sara.notifications import service

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
