"""The queues' permission names, checked by both the API and the admin.

The supervisor's actions on a caller change a live call: they need
`calls.permissions.CONTROL_CALLS`, not one of these.
"""

VIEW_QUEUES = "queues.view_queue"
VIEW_AGENTS = "queues.view_agent"
ADD_AGENTS = "queues.add_agent"
CHANGE_AGENTS = "queues.change_agent"
DELETE_AGENTS = "queues.delete_agent"
VIEW_QUEUE_ENTRIES = "queues.view_queueentry"
VIEW_SURVEYS = "queues.view_survey"
VIEW_SURVEY_RESPONSES = "queues.view_surveyresponse"
