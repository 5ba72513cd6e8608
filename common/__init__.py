"""Small helpers that every app imports: the user-text pipeline, e-mail subjects, rate limits, the way views
report a service's refusal, the one reason form. It imports no app of the portal, so any app may use it."""
