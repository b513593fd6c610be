"""The campaigns' permission names, checked by both the API and the admin."""

VIEW_CAMPAIGNS = "campaigns.view_campaign"
ADD_CAMPAIGNS = "campaigns.add_campaign"
CHANGE_CAMPAIGNS = "campaigns.change_campaign"
DELETE_CAMPAIGNS = "campaigns.delete_campaign"
# Start, pause, resume and cancel: dialing is a power of its own, apart from editing.
RUN_CAMPAIGNS = "campaigns.run_campaign"
VIEW_DO_NOT_CALL = "campaigns.view_donotcall"
ADD_DO_NOT_CALL = "campaigns.add_donotcall"
DELETE_DO_NOT_CALL = "campaigns.delete_donotcall"
