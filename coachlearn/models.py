from django.db import models


class JobError(models.Model):
    """Why an attempt at a background job failed, kept for staff (coachlearn.jobs)."""

    job_id = models.BigIntegerField(db_index=True)
    task_name = models.CharField(max_length=128)
    attempt = models.PositiveIntegerField()
    message = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"job {self.job_id} attempt {self.attempt}: {self.message[:80]}"
