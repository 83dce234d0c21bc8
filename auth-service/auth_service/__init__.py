"""auth-service: users, logins and every token of the notes platform."""
