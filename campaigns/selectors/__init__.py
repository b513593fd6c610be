"""What the admin, the API and messages read about campaigns: progress, and why
a campaign is not dialing now."""

from .dialing import NotDialing, campaign_dialing
from .progress import Progress, campaign_progress

__all__ = ["NotDialing", "Progress", "campaign_dialing", "campaign_progress"]
