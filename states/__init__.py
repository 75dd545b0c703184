"""Process definitions shipped with workflow (package data: ``workflow.states``)."""
