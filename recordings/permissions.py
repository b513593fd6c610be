"""The recordings' permissions, by their full names.

Viewers see recordings and their state; Supervisors (and Integrations, over the
API) also pause, resume and stop them, play them back and put legal holds on
them (`MANAGE_RECORDINGS`), and set the policies up.
"""

VIEW_RECORDINGS = "recordings.view_recording"
MANAGE_RECORDINGS = "recordings.manage_recording"
VIEW_POLICIES = "recordings.view_recordingpolicy"
