"""The gateway agent: runs beside Nginx, follows the active-colour SSM parameter, acknowledges in DynamoDB."""
