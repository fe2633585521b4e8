"""The pipeline's permissions, for northstar/accounts/roles.py ROLE_PERMISSIONS."""

PIPELINE_WRITE = [
    "pipeline.add_pipelineproject",
    "pipeline.change_pipelineproject",
    "pipeline.change_stage",
    "pipeline.add_fundingsource",
    "pipeline.change_fundingsource",
    "pipeline.delete_fundingsource",
]
