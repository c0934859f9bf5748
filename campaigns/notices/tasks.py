from celery import shared_task

from .services import EMAIL_TASK, SMS_TASK, send_notice_emails, send_notice_sms


@shared_task(name=EMAIL_TASK, ignore_result=True)
def send_notice_emails_task(notice_id: int) -> int:
    """Idempotent: each delivery is claimed before it is sent."""
    return send_notice_emails(notice_id=notice_id)


@shared_task(name=SMS_TASK, ignore_result=True)
def send_notice_sms_task(notice_id: int) -> int:
    """Idempotent: each text message is claimed before it is sent."""
    return send_notice_sms(notice_id=notice_id)
