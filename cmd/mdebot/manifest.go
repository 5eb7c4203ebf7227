package main

// manifest is the Slack app manifest for a socket-mode app with the /mde command. The app-level
// token (connections:write) is created separately under Basic Information -> App-Level Tokens.
const manifest = `display_information:
  name: mdebot
  description: Microsoft Defender for Endpoint from Slack, with four-eyes approvals
  background_color: "#1f3a5f"
features:
  bot_user:
    display_name: mdebot
    always_online: true
  slash_commands:
    - command: /mde
      description: Defender look-ups, response actions and alerts
      usage_hint: "help | machine <host> | alerts | isolate <host> <reason>"
      should_escape: false
oauth_config:
  scopes:
    bot:
      - commands
      - chat:write
      - chat:write.public
      - files:write
      - im:write
      - usergroups:read
      - users:read
      - users:read.email
      - channels:history
      - groups:history
settings:
  interactivity:
    is_enabled: true
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
`
