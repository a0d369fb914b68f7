"""Writes of the sales app. Every create, update and delete of a sales record goes through here.

Each service is keyword-only, takes ``acting_user``, runs in one transaction, validates and
normalizes its input and leaves one audit row per changed record.
"""

from .leads import *  # noqa: F401,F403
from .opportunities import *  # noqa: F401,F403
from .settings import *  # noqa: F401,F403
from .activities import *  # noqa: F401,F403
from .quotes import *  # noqa: F401,F403
from .contracts import *  # noqa: F401,F403
from .forecasts import *  # noqa: F401,F403
from .commissions import *  # noqa: F401,F403
from .expenses import *  # noqa: F401,F403
from .catalog import *  # noqa: F401,F403
from .board import *  # noqa: F401,F403
from .knowledge import *  # noqa: F401,F403
from .win_rates import *  # noqa: F401,F403
